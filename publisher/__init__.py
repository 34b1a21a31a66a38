"""Publisher: channel profiles, publications, deliveries and partner feeds (issue 8)."""
