/**
 * One tag, read from the registry through the server: pull by tag and by digest; for an index one tab per platform
 * (attestations listed apart); for each image its config, layers with sizes and history as a Dockerfile; and the raw
 * manifest JSON.
 */
import {
  Alert,
  Box,
  Breadcrumbs,
  Card,
  CardContent,
  Chip,
  Link,
  Stack,
  Tab,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Tabs,
  Typography,
} from '@mui/material';
import { type ReactNode, useState } from 'react';
import { Loading, useGetList, useGetOne } from 'react-admin';
import { Link as RouterLink, useParams } from 'react-router-dom';
import { CopyText } from '../repositories/CopyText';
import { formatBytes } from '../repositories/format';
import { platformName, shortDigest } from '../repositories/RepositoryTags';
import { pullCommand, useRegistryStatus } from '../repositories/registry-status';
import { type HistoryStep, historyAsDockerfile } from './dockerfile';

interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

interface ImageDetail {
  digest: string;
  mediaType: string;
  platform: Platform | null;
  size: number;
  artifactType: string | null;
  config: {
    digest: string;
    size: number;
    created: string | null;
    author: string | null;
    env: string[];
    labels: Record<string, string>;
    entrypoint: string[] | null;
    cmd: string[] | null;
    exposedPorts: string[];
    workingDir: string | null;
    user: string | null;
    volumes: string[];
  };
  layers: Array<{ digest: string; mediaType: string; size: number }>;
  history: HistoryStep[];
}

interface TagDetail {
  id: string;
  repository: string;
  name: string;
  indexed: { size: number; pushedAt: string | null; created: string | null } | null;
  digest: string;
  mediaType: string;
  manifest: unknown;
  images: ImageDetail[];
  children: { offset: number; limit: number; total: number } | null;
  otherImages: Array<{ digest: string; size: number; platform: Platform | null }>;
  attestations: Array<{ digest: string; mediaType: string; refersTo: string | null }>;
}

const Mono = ({ children }: { children: ReactNode }) => (
  <Box component="code" sx={{ fontFamily: 'monospace', fontSize: '0.8125rem', wordBreak: 'break-all' }}>
    {children}
  </Box>
);

function ConfigRow({ label, children }: { label: string; children: ReactNode }) {
  return (
    <TableRow>
      <TableCell component="th" scope="row" sx={{ width: 160, verticalAlign: 'top', fontWeight: 500 }}>
        {label}
      </TableCell>
      <TableCell>{children}</TableCell>
    </TableRow>
  );
}

const list = (items: readonly string[]) =>
  items.length === 0 ? (
    '—'
  ) : (
    <Stack spacing={0.25}>
      {items.map((item) => (
        <Mono key={item}>{item}</Mono>
      ))}
    </Stack>
  );

function ImageConfig({ image }: { image: ImageDetail }) {
  const { config } = image;
  const labels = Object.entries(config.labels);
  return (
    <Table size="small" aria-label="Image configuration">
      <TableBody>
        <ConfigRow label="Entrypoint">
          {config.entrypoint ? <Mono>{JSON.stringify(config.entrypoint)}</Mono> : '—'}
        </ConfigRow>
        <ConfigRow label="Cmd">{config.cmd ? <Mono>{JSON.stringify(config.cmd)}</Mono> : '—'}</ConfigRow>
        <ConfigRow label="Environment">{list(config.env)}</ConfigRow>
        <ConfigRow label="Ports">{list(config.exposedPorts)}</ConfigRow>
        <ConfigRow label="User">{config.user ? <Mono>{config.user}</Mono> : '—'}</ConfigRow>
        <ConfigRow label="Working dir">{config.workingDir ? <Mono>{config.workingDir}</Mono> : '—'}</ConfigRow>
        <ConfigRow label="Volumes">{list(config.volumes)}</ConfigRow>
        <ConfigRow label="Labels">{list(labels.map(([key, value]) => `${key}=${value}`))}</ConfigRow>
        <ConfigRow label="Created">{config.created ? new Date(config.created).toLocaleString() : '—'}</ConfigRow>
        <ConfigRow label="Config">
          <Mono>{config.digest}</Mono>
        </ConfigRow>
      </TableBody>
    </Table>
  );
}

function ImageLayers({ image }: { image: ImageDetail }) {
  const total = image.layers.reduce((sum, layer) => sum + layer.size, 0);
  return (
    <Table size="small" aria-label="Layers">
      <TableHead>
        <TableRow>
          <TableCell>#</TableCell>
          <TableCell>Digest</TableCell>
          <TableCell>Media type</TableCell>
          <TableCell align="right">Size</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {image.layers.map((layer, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a layer may repeat; its position is what identifies it.
          <TableRow key={`${layer.digest}-${i}`}>
            <TableCell>{i + 1}</TableCell>
            <TableCell>
              <Mono>{shortDigest(layer.digest)}</Mono>
            </TableCell>
            <TableCell>{layer.mediaType}</TableCell>
            <TableCell align="right">{formatBytes(layer.size)}</TableCell>
          </TableRow>
        ))}
        <TableRow>
          <TableCell colSpan={3}>
            <strong>{image.layers.length} layers</strong>
          </TableCell>
          <TableCell align="right">
            <strong>{formatBytes(total)}</strong>
          </TableCell>
        </TableRow>
      </TableBody>
    </Table>
  );
}

const Code = ({ text, label }: { text: string; label: string }) => (
  <Box
    component="pre"
    aria-label={label}
    tabIndex={0}
    sx={{
      m: 0,
      p: 2,
      bgcolor: 'action.hover',
      borderRadius: 1,
      overflow: 'auto',
      maxHeight: 480,
      fontSize: '0.8125rem',
    }}
  >
    {text}
  </Box>
);

function ImagePanel({ image, manifest }: { image: ImageDetail; manifest: unknown }) {
  const [view, setView] = useState('config');
  return (
    <Box>
      <Tabs value={view} onChange={(_, next: string) => setView(next)} aria-label="Image views">
        <Tab value="config" label="Config" />
        <Tab value="layers" label={`Layers (${image.layers.length})`} />
        <Tab value="history" label="History" />
        <Tab value="manifest" label="Manifest" />
      </Tabs>
      <Box sx={{ pt: 2 }}>
        {view === 'config' ? <ImageConfig image={image} /> : null}
        {view === 'layers' ? <ImageLayers image={image} /> : null}
        {view === 'history' ? (
          <Code text={historyAsDockerfile(image.history) || '# no history recorded'} label="History as a Dockerfile" />
        ) : null}
        {view === 'manifest' ? <Code text={JSON.stringify(manifest, null, 2)} label="Raw manifest JSON" /> : null}
      </Box>
    </Box>
  );
}

export default function TagShow() {
  const { id = '' } = useParams();
  const { data: tag, isPending, error } = useGetOne<TagDetail>('tags', { id }, { retry: false });
  const { data: status } = useRegistryStatus();
  const repositoryName = id.slice(0, id.lastIndexOf(':'));
  const { data: repositories } = useGetList('repositories', {
    filter: { name: repositoryName },
    pagination: { page: 1, perPage: 1 },
  });
  const [platform, setPlatform] = useState(0);
  if (error) {
    return (
      <Alert severity="error" sx={{ mt: 2 }}>
        {(error as Error).message || 'This tag cannot be read.'}
      </Alert>
    );
  }
  // Until the detail arrives, react-admin may hand over the list's row for this id (no images yet): wait for it.
  if (isPending || !tag?.images) return <Loading />;
  if (!tag) {
    return (
      <Alert severity="error" sx={{ mt: 2 }}>
        This tag cannot be read.
      </Alert>
    );
  }
  const image = tag.images[platform] ?? tag.images[0];
  const repositoryId = repositories?.[0]?.id;
  return (
    <Box sx={{ mt: 2 }}>
      <Breadcrumbs aria-label="breadcrumb" sx={{ mb: 1 }}>
        <Link component={RouterLink} to="/repositories">
          Repositories
        </Link>
        {repositoryId !== undefined ? (
          <Link component={RouterLink} to={`/repositories/${repositoryId}/show`}>
            {tag.repository}
          </Link>
        ) : (
          <span>{tag.repository}</span>
        )}
        <Typography color="text.primary">{tag.name}</Typography>
      </Breadcrumbs>
      <Card sx={{ mb: 2 }}>
        <CardContent>
          <Typography variant="h5" component="h1" sx={{ wordBreak: 'break-all' }}>
            {tag.repository}:{tag.name}
          </Typography>
          <Stack
            direction="row"
            spacing={2}
            sx={{ my: 1, flexWrap: 'wrap', color: 'text.secondary', alignItems: 'center' }}
          >
            <Chip size="small" label={tag.children ? `index of ${tag.children.total} platform(s)` : 'image'} />
            <span>{tag.mediaType}</span>
            {tag.indexed ? <span>{formatBytes(tag.indexed.size)}</span> : null}
            {tag.indexed?.pushedAt ? <span>pushed {new Date(tag.indexed.pushedAt).toLocaleString()}</span> : null}
          </Stack>
          <Stack spacing={1} sx={{ alignItems: 'flex-start' }}>
            <CopyText text={pullCommand(status?.pullHost, `${tag.repository}:${tag.name}`)} label="Copy pull by tag" />
            <CopyText
              text={pullCommand(status?.pullHost, `${tag.repository}@${tag.digest}`)}
              label="Copy pull by digest"
            />
          </Stack>
        </CardContent>
      </Card>
      <Card>
        <CardContent>
          {tag.images.length > 1 || tag.children ? (
            <Tabs
              value={Math.min(platform, tag.images.length - 1)}
              onChange={(_, next: number) => setPlatform(next)}
              variant="scrollable"
              aria-label="Platforms"
              sx={{ borderBottom: 1, borderColor: 'divider', mb: 1 }}
            >
              {tag.images.map((child) => (
                <Tab
                  key={child.digest}
                  label={child.platform ? platformName(child.platform) : shortDigest(child.digest)}
                />
              ))}
            </Tabs>
          ) : null}
          {image ? (
            <ImagePanel image={image} manifest={tag.manifest} />
          ) : (
            <Alert severity="info">This manifest describes no image (an artifact).</Alert>
          )}
          {tag.otherImages.length > 0 ? (
            <Alert severity="info" sx={{ mt: 2 }}>
              {tag.otherImages.length} more platform(s) not described here:{' '}
              {tag.otherImages
                .map((other) => (other.platform ? platformName(other.platform) : shortDigest(other.digest)))
                .join(', ')}
            </Alert>
          ) : null}
          {tag.attestations.length > 0 ? (
            <Box sx={{ mt: 2 }}>
              <Typography variant="subtitle2" component="h2">
                Attestations ({tag.attestations.length})
              </Typography>
              {tag.attestations.map((attestation) => (
                <Typography key={attestation.digest} variant="body2" color="text.secondary">
                  <Mono>{shortDigest(attestation.digest)}</Mono>
                  {attestation.refersTo ? ` for ${shortDigest(attestation.refersTo)}` : ''}
                </Typography>
              ))}
            </Box>
          ) : null}
        </CardContent>
      </Card>
    </Box>
  );
}
