"""nieuwsradar: news radar for Dutch municipal enforcement networks."""
