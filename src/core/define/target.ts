/** Where a run reads: its stream, its group, and the consumer name it reads as (keys.ts `consumerName`). */
export interface Target {
  stream: string;
  group: string;
  consumer: string;
}
