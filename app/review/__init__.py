"""The OFM review desk: the queue, incident pages and their actions, the overview."""
