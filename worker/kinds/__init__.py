"""One module per kind of job: its options, its steps and its PIPELINE."""
