"""The working calendar: the week and dated exceptions an admin sets (:mod:`.service`),
business time counted on it (:mod:`.working`) and SLA deadlines (:mod:`.deadlines`)."""
