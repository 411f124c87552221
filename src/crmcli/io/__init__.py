"""Reading and writing files other programs make: CSV, vCard, iCalendar."""
