// Placeholder: tests of the binaries probe are being written.
