"""Highlight proposals: where each product is pitched, as shorts a PD accepts in one call."""
