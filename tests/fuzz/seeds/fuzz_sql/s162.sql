select s1 from root.sg
  where time > 1 limit 13.1