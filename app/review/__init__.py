"""The OFM review desk: reviewers and admins work through the incidents officers filed (SPEC §5)."""
