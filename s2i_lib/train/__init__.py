"""Training loops: checkpoints written atomically, resume after interruption, progress bars, loss logs."""
