// Placeholder: the group probe is being written.
