-- Every query by author also filters by fingerprint or status, and
-- comments_by_author_fingerprint (author_id, fingerprint) serves them all by
-- its prefix. A second index keyed by author cost each new comment another
-- scattered page write (benchmarks: bytes written per post).
DROP INDEX comments_by_author;
