// Placeholder: tests of the user probe are being written.
