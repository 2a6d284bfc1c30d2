"""Tests of the fleet part."""
