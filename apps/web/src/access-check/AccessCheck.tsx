/**
 * The access checker: a user (or an anonymous caller), a repository and actions in; the decision per action out, with
 * the rule (or the admin role) behind each granted action. The question lives in the URL, so a check can be linked.
 */

import CancelIcon from '@mui/icons-material/Cancel';
import CheckCircleIcon from '@mui/icons-material/CheckCircle';
import {
  Alert,
  Autocomplete,
  Box,
  Button,
  Card,
  CardContent,
  Checkbox,
  FormControlLabel,
  FormGroup,
  FormLabel,
  List,
  ListItem,
  ListItemIcon,
  ListItemText,
  Stack,
  TextField,
  ToggleButton,
  ToggleButtonGroup,
  Typography,
} from '@mui/material';
import { type FormEvent, useEffect, useMemo, useState } from 'react';
import { Link, Title, useGetList, useLogoutIfAccessDenied, usePermissions } from 'react-admin';
import { useSearchParams } from 'react-router-dom';
import { SubjectName } from '../access-rules/subjects';
import { adminRequests } from '../providers';
import type { AccessDecision, CheckReason } from '../providers/admin-requests';

const CHECKED_ACTIONS = ['pull', 'push', 'delete'] as const;

interface Question {
  user?: string;
  repository: string;
  actions: string[];
}

/** The question in the URL: `?user=alice&repository=team/app&actions=pull,push` (no user: anonymous). */
function questionOf(params: URLSearchParams): Question | undefined {
  const repository = params.get('repository')?.trim();
  const actions = (params.get('actions') ?? '')
    .split(',')
    .filter((a) => (CHECKED_ACTIONS as readonly string[]).includes(a));
  if (!repository || actions.length === 0) return undefined;
  const user = params.get('user')?.trim();
  return { ...(user ? { user } : {}), repository, actions };
}

/** Options for a picker, searched on the server as the user types. */
function useOptions(resource: string, field: string, search: string) {
  const { data } = useGetList<{ id: number } & Record<string, unknown>>(resource, {
    pagination: { page: 1, perPage: 20 },
    sort: { field, order: 'ASC' },
    filter: search ? { q: search } : {},
  });
  return useMemo(() => (data ?? []).map((record) => String(record[field])), [data, field]);
}

export default function AccessCheck() {
  const [params, setParams] = useSearchParams();
  const asked = useMemo(() => questionOf(params), [params]);
  const [anonymous, setAnonymous] = useState(asked ? !asked.user : false);
  const [user, setUser] = useState(asked?.user ?? '');
  const [repository, setRepository] = useState(asked?.repository ?? '');
  const [actions, setActions] = useState<string[]>(asked?.actions ?? ['pull', 'push']);
  const users = useOptions('users', 'login', anonymous ? '' : user);
  const repositories = useOptions('repositories', 'name', repository);
  const [answer, setAnswer] = useState<{ for: Question; decision: AccessDecision }>();
  const [error, setError] = useState<string>();
  const logoutIfAccessDenied = useLogoutIfAccessDenied();

  useEffect(() => {
    if (!asked) return;
    const controller = new AbortController();
    setError(undefined);
    adminRequests
      .checkAccess(asked, controller.signal)
      .then((decision) => setAnswer({ for: asked, decision }))
      .catch(async (failure: unknown) => {
        if (controller.signal.aborted) return;
        if (await logoutIfAccessDenied(failure)) return;
        setAnswer(undefined);
        setError((failure as Error).message);
      });
    return () => controller.abort();
  }, [asked, logoutIfAccessDenied]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const next = new URLSearchParams();
    if (!anonymous && user.trim()) next.set('user', user.trim());
    next.set('repository', repository.trim());
    next.set('actions', actions.join(','));
    setParams(next);
  };
  const ready = repository.trim() !== '' && actions.length > 0 && (anonymous || user.trim() !== '');

  return (
    <Box sx={{ mt: 2, maxWidth: 960 }}>
      <Title title="Access checker" />
      <Card component="form" onSubmit={submit} aria-label="Access question">
        <CardContent>
          <Typography variant="h6" component="h1" gutterBottom>
            Who may do what?
          </Typography>
          <Stack spacing={2}>
            <Stack direction={{ xs: 'column', sm: 'row' }} spacing={2} alignItems={{ sm: 'center' }}>
              <ToggleButtonGroup
                exclusive
                size="small"
                value={anonymous ? 'anonymous' : 'user'}
                onChange={(_, value) => value && setAnonymous(value === 'anonymous')}
                aria-label="Caller"
                sx={{ flexShrink: 0 }}
              >
                <ToggleButton value="user" sx={{ whiteSpace: 'nowrap', px: 2 }}>
                  User
                </ToggleButton>
                <ToggleButton value="anonymous" sx={{ whiteSpace: 'nowrap', px: 2 }}>
                  Anonymous
                </ToggleButton>
              </ToggleButtonGroup>
              {anonymous ? (
                <Typography color="text.secondary">a caller without credentials</Typography>
              ) : (
                <Autocomplete
                  freeSolo
                  options={users}
                  inputValue={user}
                  onInputChange={(_, value) => setUser(value)}
                  sx={{ minWidth: 280 }}
                  renderInput={(input) => <TextField {...input} label="User (login)" name="user" />}
                />
              )}
            </Stack>
            <Autocomplete
              freeSolo
              options={repositories}
              inputValue={repository}
              onInputChange={(_, value) => setRepository(value)}
              renderInput={(input) => (
                <TextField
                  {...input}
                  label="Repository"
                  name="repository"
                  helperText="an existing repository or any name a client could ask for"
                />
              )}
            />
            <Box component="fieldset" sx={{ border: 0, p: 0, m: 0 }}>
              <FormLabel component="legend">Actions</FormLabel>
              <FormGroup row>
                {CHECKED_ACTIONS.map((action) => (
                  <FormControlLabel
                    key={action}
                    label={action}
                    control={
                      <Checkbox
                        checked={actions.includes(action)}
                        onChange={(event) =>
                          setActions((current) =>
                            event.target.checked
                              ? CHECKED_ACTIONS.filter((a) => a === action || current.includes(a))
                              : current.filter((a) => a !== action),
                          )
                        }
                      />
                    }
                  />
                ))}
              </FormGroup>
            </Box>
            <Box>
              <Button type="submit" variant="contained" disabled={!ready}>
                Check
              </Button>
            </Box>
          </Stack>
        </CardContent>
      </Card>
      {error ? (
        <Alert severity="error" sx={{ mt: 2 }}>
          {error}
        </Alert>
      ) : null}
      {answer && !error ? <Decision question={answer.for} decision={answer.decision} /> : null}
    </Box>
  );
}

function Decision({ question, decision }: { question: Question; decision: AccessDecision }) {
  const { permissions } = usePermissions<string>();
  const scope = decision.decisions[0];
  if (!scope) return null;
  const who = decision.anonymous ? 'An anonymous caller' : decision.user;
  const summary =
    scope.granted.length === 0
      ? `${who} may not ${scope.requested.join(', ')} ${scope.name}.`
      : scope.denied.length === 0
        ? `${who} may ${scope.granted.join(', ')} ${scope.name}.`
        : `${who} may ${scope.granted.join(', ')} ${scope.name}, but not ${scope.denied.join(', ')}.`;
  return (
    <Card sx={{ mt: 2 }} component="section" aria-label="Decision" data-testid="decision">
      <CardContent>
        <Alert
          severity={scope.granted.length === 0 ? 'error' : scope.denied.length === 0 ? 'success' : 'warning'}
          sx={{ mb: 2 }}
        >
          {summary}
        </Alert>
        {decision.disabled ? (
          <Alert severity="warning" sx={{ mb: 2 }}>
            {question.user} is disabled and authenticates nowhere: a real request gets nothing. Below is what the rules
            would give.
          </Alert>
        ) : null}
        <List dense aria-label="Per action">
          {scope.requested.map((action) => {
            const reasons = scope.reasons.filter((reason) => reason.action === action);
            const granted = scope.granted.includes(action);
            return (
              <ListItem key={action} alignItems="flex-start">
                <ListItemIcon sx={{ minWidth: 36, mt: 0.5 }}>
                  {granted ? (
                    <CheckCircleIcon color="success" titleAccess="granted" />
                  ) : (
                    <CancelIcon color="error" titleAccess="denied" />
                  )}
                </ListItemIcon>
                <ListItemText
                  primary={`${action}: ${granted ? 'granted' : 'denied'}`}
                  secondaryTypographyProps={{ component: 'div' }}
                  secondary={
                    granted ? (
                      reasons.map((reason) => (
                        <Reason
                          key={reason.by === 'rule' ? reason.ruleId : 'admin'}
                          reason={reason}
                          linkRules={permissions === 'admin'}
                        />
                      ))
                    ) : (
                      <span>
                        no rule gives {action} on {scope.name} to{' '}
                        {decision.anonymous
                          ? 'everyone'
                          : `${question.user}, its groups, every registered user or everyone`}
                      </span>
                    )
                  }
                />
              </ListItem>
            );
          })}
        </List>
      </CardContent>
    </Card>
  );
}

function Reason({ reason, linkRules }: { reason: CheckReason; linkRules: boolean }) {
  if (reason.by === 'admin') return <div>by the admin role (admins may do everything)</div>;
  const rule = linkRules ? (
    <Link to={`/access-rules/${reason.ruleId}`}>rule #{reason.ruleId}</Link>
  ) : (
    `rule #${reason.ruleId}`
  );
  return (
    <Stack direction="row" spacing={0.75} component="div" sx={{ flexWrap: 'wrap' }} alignItems="baseline">
      <span>by {rule}:</span>
      <SubjectName kind={reason.subject.kind} id={'id' in reason.subject ? reason.subject.id : undefined} />
      <span>
        on <code>{reason.pattern}</code>
      </span>
    </Stack>
  );
}
