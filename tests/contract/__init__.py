"""Tests of the contract part."""
