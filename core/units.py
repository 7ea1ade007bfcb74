"""Units of the sizes the app checks and states."""

# The megabyte of every size the app checks or states (MAX_UPLOAD_MB, sizes on the pages): the
# uploader in the browser counts 1 MB as 1,000,000 bytes (1,048,576 only on Windows), so this does too.
MB = 1000 * 1000
