"""China: GB/T 34014 traction-battery codes, and the cn-battery profile's mappings."""
