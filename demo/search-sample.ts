// A small bundled corpus for the search panel: short sentences on a few topics, so nearest neighbours and
// the 2-D projection have something to show (with random weights the scores mean little; with a real
// sentence-embedding model they group by topic).
export const SEARCH_SAMPLE = [
  'The cat slept on the warm windowsill all afternoon.',
  'Dogs need a long walk every morning.',
  'A kitten chased a ball of yarn across the floor.',
  'The parrot repeated every word it heard.',
  'Rain is expected over the weekend in the north.',
  'A cold front will bring snow to the mountains.',
  'The summer heat wave broke records across the south.',
  'Strong winds knocked down trees along the coast.',
  'The central bank raised interest rates again.',
  'Stock markets fell after the earnings report.',
  'Inflation slowed for the third month in a row.',
  'The company announced record quarterly profits.',
  'The striker scored twice in the second half.',
  'The team won the championship after extra time.',
  'She broke the world record in the 400 metres.',
  'The match was postponed because of the storm.',
  'Add the flour slowly and stir until smooth.',
  'Bake the bread for forty minutes at high heat.',
  'Fresh basil makes the tomato sauce taste better.',
  'Let the soup simmer for an hour before serving.',
  'The new phone has a faster processor and a bigger screen.',
  'Update your browser to get the latest security fixes.',
  'The laptop battery lasts about ten hours.',
  'GPUs run thousands of threads in parallel.',
];
