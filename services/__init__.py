"""What the web app does besides drawing: submit and follow jobs, uploads, presets, My files."""
