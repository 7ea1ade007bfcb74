"""Documents and photos into PDF: Word, PowerPoint, OpenDocument and RTF through LibreOffice,
photos and scans through Pillow and img2pdf. Plain functions, files in and files out."""
