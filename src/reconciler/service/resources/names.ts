import type { KObject } from '../../../apis/meta.ts';

/** The Configuration and Route a Service owns are named like the Service. */
export function configurationName(service: KObject): string {
  return service.metadata.name!;
}

export function routeName(service: KObject): string {
  return service.metadata.name!;
}
