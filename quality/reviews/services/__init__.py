"""Management review: inputs compiled from the data (9.3.2), outputs tracked as actions;
and the annual report on applying the QMS, generated, edited, submitted to the province."""
