// Placeholder: tests of the group probe are being written.
