// Placeholder: the user probe is being written.
