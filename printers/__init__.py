"""Printers over IPP (and CUPS queues, which are IPP printers): plain functions around CUPS's ipptool."""
