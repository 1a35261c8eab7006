"""The signed-in user's own pages: password and API tokens (:mod:`.profile`), deputies
(:mod:`.delegations`) and notifications (:mod:`.notifications`)."""
