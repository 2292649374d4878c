"""The weekly digest: weeks, choosing the stories, rendering the e-mail, sending it once.

- :mod:`~nieuwsradar.digest.week`: ISO weeks in the network's time zone.
- :mod:`~nieuwsradar.digest.build`: pure choice and ranking of a member's stories.
- :mod:`~nieuwsradar.digest.render`: the Dutch multipart e-mail with RFC 8058 headers.
- :mod:`~nieuwsradar.digest.tokens`: signed links (unsubscribe, the member's own page).
- :mod:`~nieuwsradar.digest.send`: SMTP delivery, retries, send rate, the send lock.

The facade part :mod:`nieuwsradar.core.digest` ties them to storage and the send log.
"""
