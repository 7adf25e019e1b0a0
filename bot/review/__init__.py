"""The rules of a case review, pure: stages, deadlines, who may do what, what is due when."""
