"""Result files and what is made of them: metrics, reading back, the leaderboard, tables, the
HTML page and the dataset export."""
