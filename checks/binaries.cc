// Placeholder: the binaries probe is being written.
