"""The bottom layer: errors, safe file writing and names, progress, ZIPs, fonts; imports nothing of ours."""
