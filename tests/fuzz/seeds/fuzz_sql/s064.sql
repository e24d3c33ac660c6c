select s1 from root.sg.d1 where s1 > 1 limit 1 -- trailing comment
