"""Cards: the State Department ID cards and the signed QR codes printed on them."""
