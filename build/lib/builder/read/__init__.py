"""Reading: input files -> Article records or rejections with their reason. Per-source
knowledge (page chrome, credit spellings) is data in profiles/, not code."""
