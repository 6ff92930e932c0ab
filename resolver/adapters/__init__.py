"""Adapters that read third-party passport formats into the eu-battery model."""
