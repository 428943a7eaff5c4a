/**
 * Schemas of Knative's Service, Configuration, Revision and Route. v1beta1 is v1 verbatim;
 * v1alpha1 adds the deprecated fields Knative removed when it moved to v1.
 */
import {
  type JSONSchema, OBJECT_META, arr, bool, dateTime, int, obj, open, ref, str, strArr, strMap,
} from './schema-builders.ts';
import { revisionSpecDescription, revisionSpecProperties, singleContainer } from './schema-podspec.ts';
import { apiVersionField, kindField, metadataField } from './schema-meta.ts';

export type ServingKind = 'Service' | 'Configuration' | 'Revision' | 'Route';

const isAlpha = (version: string) => version === 'v1alpha1';

function revisionSpec(version: string): JSONSchema {
  const properties = revisionSpecProperties();
  if (isAlpha(version)) {
    properties.container = singleContainer;
    properties.servingState = str('Deprecated: the serving state of the revision (Active, Reserve, Retired); now managed by the system.');
    properties.generation = int('Deprecated: the generation of the revision; use metadata.generation.', 'int64');
  }
  return obj(revisionSpecDescription, properties);
}

function revisionTemplate(version: string, description: string): JSONSchema {
  return obj(description, {
    metadata: ref(OBJECT_META, 'Metadata of the Revisions this template creates: name (must start with the parent name), labels and annotations (e.g. autoscaling.knative.dev/*).'),
    spec: revisionSpec(version),
  });
}

function configurationSpecProperties(version: string): Record<string, JSONSchema> {
  const properties: Record<string, JSONSchema> = {
    template: revisionTemplate(version, 'Template holds the latest specification for the Revision to be stamped out.'),
  };
  if (isAlpha(version)) {
    properties.revisionTemplate = revisionTemplate(version, 'Deprecated: the former name of template.');
    properties.build = open('Deprecated: an optional build to run before the revision is created. No longer supported.');
    properties.generation = int('Deprecated: the generation of the configuration; use metadata.generation.', 'int64');
  }
  return properties;
}

function trafficTarget(version: string, inStatus: boolean): JSONSchema {
  const properties: Record<string, JSONSchema> = {
    tag: str('Tag is optionally used to expose a dedicated url for referencing this target exclusively.'),
    revisionName: str('RevisionName of a specific revision to which to send this portion of traffic. Mutually exclusive with configurationName.'),
    configurationName: str('ConfigurationName of a configuration to whose latest revision we will send this portion of traffic. Filled in by the Service for latestRevision targets.'),
    latestRevision: bool('LatestRevision may be optionally provided to indicate that the latest ready Revision of the Configuration should be used for this traffic target.'),
    percent: int('Percent indicates that percentage based routing should be used and the value indicates the percent of traffic that is routed to this Revision or Configuration (0-100; all targets must sum to 100).', 'int64'),
    url: str('URL displays the URL for accessing named traffic targets. It is set in status only, for targets with a tag.'),
  };
  if (isAlpha(version)) properties.name = str('Deprecated: the former name of tag.');
  const description = inStatus
    ? 'TrafficTarget holds a single entry of the routing table as reconciled, always resolved to a revision.'
    : 'TrafficTarget holds a single entry of the routing table for a Route.';
  return obj(description, properties);
}

const condition = obj('Condition defines a readiness condition for a Knative resource.', {
  type: str('Type of condition, e.g. Ready, ConfigurationsReady, RoutesReady.'),
  status: str('Status of the condition, one of True, False, Unknown.'),
  severity: str('Severity with which to treat failures of this type of condition. When this is not specified, it defaults to Error.'),
  lastTransitionTime: dateTime('LastTransitionTime is the last time the condition transitioned from one status to another.'),
  reason: str('The reason for the condition\'s last transition.'),
  message: str('A human readable message indicating details about the transition.'),
}, { required: ['type', 'status'] });

function duckStatus(): Record<string, JSONSchema> {
  return {
    observedGeneration: int('ObservedGeneration is the \'Generation\' of the object that was last processed by the controller.', 'int64'),
    conditions: arr('Conditions the latest available observations of a resource\'s current state.', condition),
    annotations: strMap('Annotations is additional Status fields for the Resource to save some additional State as well as convey more information to the user.'),
  };
}

function configurationStatusFields(): Record<string, JSONSchema> {
  return {
    latestReadyRevisionName: str('LatestReadyRevisionName holds the name of the latest Revision stamped out from this Configuration that has had its "Ready" condition become "True".'),
    latestCreatedRevisionName: str('LatestCreatedRevisionName is the last revision that was created from this Configuration. It might not be ready yet.'),
  };
}

function routeStatusFields(version: string): Record<string, JSONSchema> {
  const address: Record<string, JSONSchema> = {
    url: str('URL of the cluster-local address, e.g. http://hello.default.svc.cluster.local.'),
    name: str('Name is the name of the address.'),
    CACerts: str('CACerts is the Certification Authority (CA) certificates in PEM format.'),
    audience: str('Audience is the OIDC audience for this address.'),
  };
  if (isAlpha(version)) address.hostname = str('Deprecated: the host name of the cluster-local address.');
  const fields: Record<string, JSONSchema> = {
    url: str('URL holds the url that will distribute traffic over the provided traffic targets, e.g. http://hello.default.example.com.'),
    address: obj('Address holds the information needed for a Route to be the target of an event.', address),
    traffic: arr('Traffic holds the configured traffic distribution. These entries will always contain RevisionName references.', trafficTarget(version, true)),
  };
  if (isAlpha(version)) {
    fields.domain = str('Deprecated: the external domain of the route; see url.');
    fields.domainInternal = str('Deprecated: the cluster-local domain of the route, {route}.{namespace}.svc.cluster.local; see address.');
  }
  return fields;
}

function trafficField(version: string): JSONSchema {
  return arr('Traffic specifies how to distribute traffic over a collection of revisions and configurations.', trafficTarget(version, false));
}

function serviceSpec(version: string): JSONSchema {
  const properties: Record<string, JSONSchema> = { ...configurationSpecProperties(version), traffic: trafficField(version) };
  if (isAlpha(version)) {
    const configuration = obj('The Configuration (revision template) this mode manages.', configurationSpecProperties(version));
    properties.runLatest = obj('Deprecated: runLatest sets up the Service to always route all traffic to the latest ready revision.', { configuration });
    properties.pinned = obj('Deprecated: pinned routes all traffic to one named revision.', {
      revisionName: str('The revision that receives all traffic.'),
      configuration,
    });
    properties.release = obj('Deprecated: release routes traffic to a current and an optional candidate revision.', {
      revisions: strArr('One or two revision names: current, then candidate. "@latest" means the latest ready revision.'),
      rolloutPercent: int('Percentage of traffic (0-99) sent to the candidate revision.'),
      configuration,
    });
    properties.manual = open('Deprecated: manual mode left the Route alone. It cannot be migrated to v1 and is rejected.');
  }
  return obj('ServiceSpec represents the configuration for the Service object: a revision template and the traffic split over its revisions.', properties);
}

const descriptions: Record<ServingKind, string> = {
  Service: 'Service acts as a top-level container that manages a Route and Configuration which implement a network service. Service exists to provide a singular abstraction which can be access controlled, reasoned about, and which encapsulates software lifecycle decisions such as rollout policy and team resource ownership.',
  Configuration: 'Configuration represents the "floating HEAD" of a linear history of Revisions. Users create new Revisions by updating the Configuration\'s spec. The "latest created" revision\'s name is available under status, as is the "latest ready" revision\'s name.',
  Revision: 'Revision is an immutable snapshot of code and configuration. A revision references a container image. Revisions are created by updates to a Configuration.',
  Route: 'Route is responsible for configuring ingress over a collection of Revisions. Some of the Revisions a Route distributes traffic over may be specified by referencing the Configuration responsible for creating them; in these cases the Route is additionally responsible for monitoring the Configuration for "latest ready revision" changes, and smoothly rolling out latest revisions.',
};

function specAndStatus(kind: ServingKind, version: string): { spec: JSONSchema; status: JSONSchema } {
  switch (kind) {
    case 'Service':
      return {
        spec: serviceSpec(version),
        status: obj('ServiceStatus represents the Status stanza of the Service resource.', {
          ...duckStatus(), ...configurationStatusFields(), ...routeStatusFields(version),
        }),
      };
    case 'Configuration':
      return {
        spec: obj('ConfigurationSpec holds the desired state of the Configuration (from the client).', configurationSpecProperties(version)),
        status: obj('ConfigurationStatus communicates the observed state of the Configuration (from the controller).', {
          ...duckStatus(), ...configurationStatusFields(),
        }),
      };
    case 'Revision': {
      const containerStatus = obj('ContainerStatus holds the information of container name and image digest value.', {
        name: str('Name of the container.'),
        imageDigest: str('The image reference of the container resolved to a digest.'),
      });
      const status: Record<string, JSONSchema> = {
        ...duckStatus(),
        logUrl: str('LogURL specifies the generated logging url for this particular revision based on the revision url template specified in the controller\'s config.'),
        containerStatuses: arr('ContainerStatuses is a slice of images present in .Spec.Container[*].Image to their respective digests and their container name.', containerStatus),
        initContainerStatuses: arr('InitContainerStatuses is a slice of images present in .Spec.InitContainer[*].Image to their respective digests and their container name.', containerStatus),
        actualReplicas: int('ActualReplicas reflects the amount of ready pods running this revision.'),
        desiredReplicas: int('DesiredReplicas reflects the desired amount of pods running this revision.'),
      };
      if (isAlpha(version)) {
        status.serviceName = str('Deprecated: the name of the Kubernetes Service that fronted this revision.');
        status.imageDigest = str('Deprecated: the digest of the single container\'s image; see containerStatuses.');
      }
      return {
        spec: revisionSpec(version),
        status: obj('RevisionStatus communicates the observed state of the Revision (from the controller).', status),
      };
    }
    case 'Route':
      return {
        spec: obj('RouteSpec holds the desired state of the Route (from the client).', { traffic: trafficField(version) }),
        status: obj('RouteStatus communicates the observed state of the Route (from the controller).', {
          ...duckStatus(), ...routeStatusFields(version),
        }),
      };
  }
}

/** The full object schema of a Knative kind at a served version. */
export function servingKindSchema(kind: ServingKind, version: string): JSONSchema {
  const { spec, status } = specAndStatus(kind, version);
  return obj(descriptions[kind], {
    apiVersion: apiVersionField(),
    kind: kindField(),
    metadata: metadataField(),
    spec,
    status,
  });
}
