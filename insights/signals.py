"""Writes in an agency schema mark the agency dirty (filled in by insights.services.dirty)."""
