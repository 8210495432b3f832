"""Reading text the way people write it: folding, words, numbers, dates and sentence cues;
shared by the dataset, the retrieval baseline and the grader."""
