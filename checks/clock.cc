// Placeholder: the clock probe is being written.
