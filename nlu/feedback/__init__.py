"""The review loop: what is stored of each prediction, feedback, the review queue for CS
leads, and promotion of retrained models. All SQL of the product is here."""
