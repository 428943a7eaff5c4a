/**
 * Schema of the Kubernetes PodSpec subset a Knative RevisionSpec inlines, plus Knative's own
 * revision fields. Fields Knative's webhook forbids (restartPolicy, nodeName, lifecycle, tty, ...)
 * are declared too, so a user sees the webhook's "must not set the field(s)" message rather than
 * a strict-decoding "unknown field" error.
 */
import {
  type JSONSchema, COMPONENTS_PREFIX, QUANTITY, arr, bool, describe, enumStr, int, intOrString, obj, open, quantity, str, strArr, strMap,
} from './schema-builders.ts';

const quantityMap = (description: string): JSONSchema => ({
  type: 'object', description, additionalProperties: { $ref: COMPONENTS_PREFIX + QUANTITY },
});

const keySelector = (what: 'ConfigMap' | 'Secret'): JSONSchema => obj(`Selects a key of a ${what}.`, {
  name: str(`Name of the ${what} in the revision's namespace.`),
  key: str(`The key of the ${what} to select.`),
  optional: bool(`Specify whether the ${what} or its key must be defined.`),
}, { required: ['key'], 'x-kubernetes-map-type': 'atomic' });

const envVar = obj('EnvVar represents an environment variable present in a container.', {
  name: str('Name of the environment variable. PORT, K_SERVICE, K_CONFIGURATION and K_REVISION are reserved by Knative.'),
  value: str('Value of the variable; $(VAR_NAME) references to earlier variables are expanded.'),
  valueFrom: obj('Source for the environment variable\'s value. Cannot be used if value is not empty.', {
    configMapKeyRef: keySelector('ConfigMap'),
    secretKeyRef: keySelector('Secret'),
    fieldRef: obj('Selects a field of the pod (requires the kubernetes.podspec-fieldref feature).', {
      apiVersion: str('Version of the schema the FieldPath is written in terms of, defaults to "v1".'),
      fieldPath: str('Path of the field to select in the specified API version.'),
    }, { required: ['fieldPath'], 'x-kubernetes-map-type': 'atomic' }),
    resourceFieldRef: obj('Selects a resource of the container (requires the kubernetes.podspec-fieldref feature).', {
      containerName: str('Container name: required for volumes, optional for env vars.'),
      resource: str('Required: resource to select, e.g. limits.cpu.'),
      divisor: quantity('Specifies the output format of the exposed resources, defaults to "1".'),
    }, { required: ['resource'], 'x-kubernetes-map-type': 'atomic' }),
  }),
}, { required: ['name'] });

const envFromSource = obj('EnvFromSource represents the source of a set of ConfigMaps or Secrets. Exactly one of configMapRef or secretRef must be set.', {
  prefix: str('An optional identifier to prepend to each key in the ConfigMap or Secret.'),
  configMapRef: obj('The ConfigMap to select from.', {
    name: str('Name of the ConfigMap.'), optional: bool('Specify whether the ConfigMap must be defined.'),
  }, { 'x-kubernetes-map-type': 'atomic' }),
  secretRef: obj('The Secret to select from.', {
    name: str('Name of the Secret.'), optional: bool('Specify whether the Secret must be defined.'),
  }, { 'x-kubernetes-map-type': 'atomic' }),
});

const containerPort = obj('ContainerPort represents a network port in a single container. Knative allows at most one port across all containers.', {
  containerPort: int('Number of the port the container listens on; Knative sends requests here (default 8080).'),
  name: str('Protocol selector: empty or "http1" for HTTP/1.1, "h2c" for HTTP/2 cleartext.'),
  protocol: str('Protocol for port. Must be TCP (the default).'),
  hostIP: str('What host IP to bind the external port to. Not allowed by Knative.'),
  hostPort: int('Number of port to expose on the host. Not allowed by Knative.'),
}, { required: ['containerPort'] });

const httpGet = obj('HTTPGet specifies an HTTP GET request to perform.', {
  path: str('Path to access on the HTTP server.'),
  port: intOrString('Port to access; if unset Knative probes the container\'s serving port.'),
  host: str('Host name to connect to, defaults to the pod IP.'),
  scheme: str('Scheme to use for connecting to the host. Defaults to HTTP.'),
  httpHeaders: arr('Custom headers to set in the request.', obj('HTTPHeader describes a custom header to be used in HTTP probes.', {
    name: str('The header field name.'), value: str('The header field value.'),
  }, { required: ['name', 'value'] })),
});

const probe = (description: string): JSONSchema => obj(description, {
  httpGet,
  tcpSocket: obj('TCPSocket specifies a connection to a TCP port.', {
    port: intOrString('Port to connect to; if unset Knative uses the container\'s serving port.'),
    host: str('Optional: host name to connect to, defaults to the pod IP.'),
  }),
  exec: obj('Exec specifies a command to execute in the container.', {
    command: strArr('Command line to execute inside the container; exit status 0 is healthy.'),
  }),
  grpc: obj('GRPC specifies a GRPC HealthCheckRequest.', {
    port: int('Port number of the gRPC service.'),
    service: str('Service is the name of the service to place in the gRPC HealthCheckRequest.'),
  }),
  initialDelaySeconds: int('Number of seconds after the container has started before probes are initiated.'),
  periodSeconds: int('How often (in seconds) to perform the probe. For readiness, 0 means aggressive sub-second probing until first success.'),
  timeoutSeconds: int('Number of seconds after which the probe times out.'),
  successThreshold: int('Minimum consecutive successes for the probe to be considered successful after having failed.'),
  failureThreshold: int('Minimum consecutive failures for the probe to be considered failed after having succeeded.'),
  terminationGracePeriodSeconds: int('Optional duration in seconds the pod needs to terminate gracefully upon probe failure.', 'int64'),
});

const containerSecurityContext = obj('SecurityContext defines the security options the container should be run with.', {
  capabilities: obj('The capabilities to add/drop when running containers.', {
    add: strArr('Added capabilities (Knative allows only NET_BIND_SERVICE).'),
    drop: strArr('Removed capabilities.'),
  }),
  privileged: bool('Run container in privileged mode. Not allowed by Knative.'),
  runAsUser: int('The UID to run the entrypoint of the container process.', 'int64'),
  runAsGroup: int('The GID to run the entrypoint of the container process.', 'int64'),
  runAsNonRoot: bool('Indicates that the container must run as a non-root user.'),
  readOnlyRootFilesystem: bool('Whether this container has a read-only root filesystem.'),
  allowPrivilegeEscalation: bool('Controls whether a process can gain more privileges than its parent process.'),
  procMount: str('The type of proc mount to use for the containers.'),
  seccompProfile: obj('The seccomp options to use by this container.', {
    type: str('Indicates which kind of seccomp profile will be applied: Localhost, RuntimeDefault or Unconfined.'),
    localhostProfile: str('A profile defined in a file on the node.'),
  }),
  seLinuxOptions: open('The SELinux context to be applied to the container.'),
  windowsOptions: open('The Windows specific settings applied to all containers.'),
  appArmorProfile: open('The AppArmor options to use by this container.'),
});

const volumeMount = obj('VolumeMount describes a mounting of a Volume within a container.', {
  name: str('This must match the Name of a Volume.'),
  mountPath: str('Path within the container at which the volume should be mounted. Must be absolute and not /, /dev or /dev/log.'),
  readOnly: bool('Mounted read-only if true; Knative requires it for secret, configMap and projected volumes.'),
  subPath: str('Path within the volume from which the container\'s volume should be mounted.'),
  subPathExpr: str('Expanded path within the volume from which the container\'s volume should be mounted.'),
  mountPropagation: str('Determines how mounts are propagated from the host to container and the other way around.'),
  recursiveReadOnly: str('Specifies whether read-only mounts should be handled recursively.'),
}, { required: ['name', 'mountPath'] });

export const containerSchema: JSONSchema = obj('A single application container that you want to run within a pod.', {
  name: str('Name of the container. Defaults to user-container (or user-container-N when there are several).'),
  image: str('Container image name; Knative resolves tags to digests when the revision is created.'),
  command: strArr('Entrypoint array. Not executed within a shell. The image\'s ENTRYPOINT is used if this is not provided.'),
  args: strArr('Arguments to the entrypoint. The image\'s CMD is used if this is not provided.'),
  workingDir: str('Container\'s working directory. Defaults to the image\'s.'),
  ports: arr('List of ports to expose from the container. Knative allows at most one, the port requests are sent to.', containerPort, {
    'x-kubernetes-list-map-keys': ['containerPort', 'protocol'], 'x-kubernetes-list-type': 'map',
  }),
  envFrom: arr('List of sources to populate environment variables in the container.', envFromSource),
  env: arr('List of environment variables to set in the container.', envVar),
  resources: obj('Compute Resources required by this container.', {
    limits: quantityMap('Limits describes the maximum amount of compute resources allowed.'),
    requests: quantityMap('Requests describes the minimum amount of compute resources required.'),
    claims: open('Claims lists the names of resources, defined in spec.resourceClaims, that are used by this container.', 'array'),
  }),
  resizePolicy: open('Resources resize policy for the container.', 'array'),
  restartPolicy: str('RestartPolicy of an init container; only "Always" (sidecar) is meaningful.'),
  volumeMounts: arr('Pod volumes to mount into the container\'s filesystem.', volumeMount),
  volumeDevices: open('volumeDevices is the list of block devices to be used by the container. Not allowed by Knative.', 'array'),
  livenessProbe: probe('Periodic probe of container liveness. Container will be restarted if the probe fails.'),
  readinessProbe: probe('Periodic probe of container service readiness; Knative\'s queue-proxy executes HTTP, TCP and gRPC readiness probes.'),
  startupProbe: probe('StartupProbe indicates that the container has successfully initialized.'),
  lifecycle: open('Actions that the management system should take in response to container lifecycle events. Not allowed by Knative.'),
  terminationMessagePath: str('Path at which the file to which the container\'s termination message will be written is mounted.'),
  terminationMessagePolicy: str('Indicate how the termination message should be populated: File or FallbackToLogsOnError.'),
  imagePullPolicy: enumStr('Image pull policy: Always, Never or IfNotPresent.', ['Always', 'Never', 'IfNotPresent']),
  securityContext: containerSecurityContext,
  stdin: bool('Whether this container should allocate a buffer for stdin. Not allowed by Knative.'),
  stdinOnce: bool('Whether the container runtime should close the stdin channel after it has been opened by a single attach. Not allowed by Knative.'),
  tty: bool('Whether this container should allocate a TTY for itself. Not allowed by Knative.'),
});

const keyToPath = arr('Maps keys of the source to file paths; unlisted keys are not projected.', obj('Maps a string key to a path within a volume.', {
  key: str('The key to project.'),
  path: str('The relative path of the file to map the key to.'),
  mode: int('Mode bits used to set permissions on this file.'),
}, { required: ['key', 'path'] }));

const projectedSecret = obj('Secret information to project into the volume.', {
  name: str('Name of the Secret.'), items: keyToPath, optional: bool('Whether the Secret or its keys must be defined.'),
});
const projectedConfigMap = obj('ConfigMap information to project into the volume.', {
  name: str('Name of the ConfigMap.'), items: keyToPath, optional: bool('Whether the ConfigMap or its keys must be defined.'),
});

const volume = obj('Volume represents a named volume in a pod that may be accessed by any container in the pod.', {
  name: str('Name of the volume; must be referenced by a volumeMount.'),
  secret: obj('Secret represents a secret that should populate this volume.', {
    secretName: str('Name of the secret in the revision\'s namespace to use.'),
    items: keyToPath,
    defaultMode: int('Mode bits used to set permissions on created files by default.'),
    optional: bool('Specify whether the Secret or its keys must be defined.'),
  }),
  configMap: obj('ConfigMap represents a configMap that should populate this volume.', {
    name: str('Name of the ConfigMap.'),
    items: keyToPath,
    defaultMode: int('Mode bits used to set permissions on created files by default.'),
    optional: bool('Specify whether the ConfigMap or its keys must be defined.'),
  }),
  projected: obj('Items for all-in-one resources: secrets, configmaps, service account tokens and downward API.', {
    sources: arr('List of volume projections.', obj('Projection that may be projected along with other supported volume types.', {
      secret: projectedSecret,
      configMap: projectedConfigMap,
      serviceAccountToken: obj('Information about the serviceAccountToken data to project.', {
        audience: str('Intended audience of the token.'),
        expirationSeconds: int('Requested duration of validity of the service account token.', 'int64'),
        path: str('Path relative to the mount point of the file to project the token into.'),
      }, { required: ['path'] }),
      downwardAPI: obj('Information about the downwardAPI data to project.', {
        items: open('Items is a list of DownwardAPIVolume files.', 'array'),
      }),
      clusterTrustBundle: open('ClusterTrustBundle allows a pod to access the spec.trustBundle field of ClusterTrustBundle objects.'),
    })),
    defaultMode: int('Mode bits used to set permissions on created files by default.'),
  }),
  emptyDir: obj('EmptyDir represents a temporary directory that shares a pod\'s lifetime.', {
    medium: str('What type of storage medium should back this directory: "" or "Memory".'),
    sizeLimit: quantity('Total amount of local storage required for this EmptyDir volume.'),
  }),
  persistentVolumeClaim: obj('A reference to a PersistentVolumeClaim in the same namespace (requires the kubernetes.podspec-persistent-volume-claim feature).', {
    claimName: str('Name of a PersistentVolumeClaim in the same namespace.'),
    readOnly: bool('Will force the ReadOnly setting in VolumeMounts.'),
  }, { required: ['claimName'] }),
  hostPath: obj('A pre-existing file or directory on the host machine (requires the kubernetes.podspec-hostpath feature).', {
    path: str('Path of the directory on the host.'), type: str('Type for HostPath Volume.'),
  }, { required: ['path'] }),
  csi: open('CSI represents ephemeral storage that is handled by certain external CSI drivers.'),
  ephemeral: open('Ephemeral represents a volume that is handled by a cluster storage driver.'),
  image: obj('Image represents an OCI object pulled and mounted on the host machine.', {
    reference: str('Image or artifact reference to be used.'), pullPolicy: str('Policy for pulling OCI objects.'),
  }),
}, { required: ['name'] });

/** Properties of Knative's RevisionSpec: the inlined PodSpec subset plus Knative's own fields. */
export function revisionSpecProperties(): Record<string, JSONSchema> {
  return {
    serviceAccountName: str('Name of the ServiceAccount to use to run the revision\'s containers.'),
    containers: arr('List of containers belonging to the revision. Exactly one of them serves requests (the one with a port, or the only one).', containerSchema),
    volumes: arr('List of volumes that can be mounted by the revision\'s containers.', volume),
    imagePullSecrets: arr('References to secrets in the same namespace to use for pulling any of the images.', obj('A reference to a Secret.', {
      name: str('Name of the referent.'),
    }, { 'x-kubernetes-map-type': 'atomic' })),
    enableServiceLinks: bool('Whether information about services should be injected into the containers\' environment variables (Knative defaults it to false).'),
    automountServiceAccountToken: bool('Whether a service account token should be automatically mounted; Knative only accepts false.'),
    containerConcurrency: int('ContainerConcurrency specifies the maximum allowed in-flight (concurrent) requests per container of the Revision. 0 means no limit.', 'int64'),
    timeoutSeconds: int('TimeoutSeconds is the maximum duration in seconds that the request instance is allowed to respond to a request (default 300, max 600).', 'int64'),
    responseStartTimeoutSeconds: int('The maximum duration in seconds that the request routing layer will wait for a request delivered to a container to begin sending any network traffic.', 'int64'),
    idleTimeoutSeconds: int('The maximum duration in seconds a request will be allowed to stay open while not receiving any bytes from the user\'s application.', 'int64'),
    // Gated by Knative feature flags (off by default); the webhook explains which flag.
    affinity: open('If specified, the pod\'s scheduling constraints (feature kubernetes.podspec-affinity).'),
    topologySpreadConstraints: open('How a group of pods ought to spread across topology domains (feature kubernetes.podspec-topologyspreadconstraints).', 'array'),
    hostAliases: open('Entries added to the pods\' hosts file (feature kubernetes.podspec-hostaliases).', 'array'),
    nodeSelector: strMap('Selector which must match a node\'s labels for the pod to be scheduled on it (feature kubernetes.podspec-nodeselector).'),
    runtimeClassName: str('RuntimeClass used to run this pod (feature kubernetes.podspec-runtimeclassname).'),
    tolerations: open('The pod\'s tolerations (feature kubernetes.podspec-tolerations).', 'array'),
    securityContext: open('Pod-level security attributes (feature kubernetes.podspec-securitycontext).'),
    shareProcessNamespace: bool('Share a single process namespace between all containers (feature kubernetes.podspec-shareprocessnamespace).'),
    priorityClassName: str('Indicates the pod\'s priority (feature kubernetes.podspec-priorityclassname).'),
    schedulerName: str('The scheduler to dispatch the pod (feature kubernetes.podspec-schedulername).'),
    initContainers: arr('Init containers run before the containers start (feature kubernetes.podspec-init-containers).', containerSchema),
    dnsPolicy: str('DNS policy for the pod (feature kubernetes.podspec-dnspolicy).'),
    dnsConfig: open('DNS parameters of a pod (feature kubernetes.podspec-dnsconfig).'),
    hostIPC: bool('Use the host\'s ipc namespace (feature kubernetes.podspec-hostipc).'),
    hostPID: bool('Use the host\'s pid namespace (feature kubernetes.podspec-hostpid).'),
    hostNetwork: bool('Use the host\'s network namespace (feature kubernetes.podspec-hostnetwork).'),
    // PodSpec fields Knative never allows: declared so its webhook, not strict decoding, rejects them.
    restartPolicy: str('Restart policy for all containers within the pod. Not allowed by Knative.'),
    terminationGracePeriodSeconds: int('Duration in seconds the pod needs to terminate gracefully. Not allowed by Knative (it follows timeoutSeconds).', 'int64'),
    activeDeadlineSeconds: int('Duration in seconds the pod may be active. Not allowed by Knative.', 'int64'),
    nodeName: str('Request to schedule this pod onto a specific node. Not allowed by Knative.'),
    hostname: str('Specifies the hostname of the Pod. Not allowed by Knative.'),
    subdomain: str('Specifies the subdomain of the Pod. Not allowed by Knative.'),
    priority: int('The priority value. Not allowed by Knative.'),
    readinessGates: open('Pod readiness gates. Not allowed by Knative.', 'array'),
    serviceAccount: str('Deprecated alias of serviceAccountName. Not allowed by Knative.'),
    ephemeralContainers: open('Ephemeral containers. Not allowed by Knative.', 'array'),
    overhead: open('Resource overhead of running the pod. Not allowed by Knative.'),
    preemptionPolicy: str('Policy for preempting pods with lower priority. Not allowed by Knative.'),
    os: open('The OS of the containers in the pod. Not allowed by Knative.'),
    setHostnameAsFQDN: bool('Use the pod\'s FQDN as its hostname. Not allowed by Knative.'),
    hostUsers: bool('Use the host\'s user namespace. Not allowed by Knative.'),
    schedulingGates: open('Scheduling gates. Not allowed by Knative.', 'array'),
    resourceClaims: open('Resource claims. Not allowed by Knative.', 'array'),
  };
}

export const revisionSpecDescription = 'RevisionSpec holds the desired state of the Revision (from the client): a Kubernetes PodSpec subset plus Knative\'s request handling settings.';

/** The deprecated v1alpha1 single `container` field of RevisionSpec. */
export const singleContainer = describe(containerSchema, 'Deprecated: the single container of the revision; use containers.');
