/** Reading one sample of a Prometheus text exposition (a service's /metrics). */
export function sample(metrics: string, name: string, labels = ''): number {
  const series = labels ? `${name}{${labels}}` : name;
  const line = metrics.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(' ').pop()) : 0;
}
