"""Helpers shared by the test suite (local servers, builders)."""
