"""The due-work loop: claims due jobs with leases, safe with many workers."""
