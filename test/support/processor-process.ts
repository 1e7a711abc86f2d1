import { startProcessor, type ProcessorOptions, type ServiceProcess } from '../../ops/run/service-process.ts';

export type ProcessorProcess = ServiceProcess;

/** The real processor as a child process (see ops/run/service-process.ts). */
export const ProcessorProcess = {
  start: (opts: ProcessorOptions): Promise<ServiceProcess> => startProcessor(opts),
};
