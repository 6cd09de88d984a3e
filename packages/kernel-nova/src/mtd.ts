/** A message-transfer descriptor: which architectural state an exception call carries. Kept as a number. */
export type Mtd = number;
