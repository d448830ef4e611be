"""The OFM review desk: reviewers and admins work through the incidents officers filed: the queue, incident pages
and their actions, the export, the overview (SPEC §5)."""
