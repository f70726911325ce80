// Placeholder: tests of the clock probe are being written.
