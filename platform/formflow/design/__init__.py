"""The designer's server side: site apps kept in the database, edited as a draft by
operations, planned, published as numbered versions, exported and imported."""
