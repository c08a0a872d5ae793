using System.Diagnostics;
using System.Globalization;
using System.Net;
using Npgsql;
using ProjectionGen.Daemon;
using ProjectionGen.EventStore;
using ProjectionGen.Tests.Projections;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// The dashboard in a real headless Chromium against three real nodes on a real PostgreSQL: what an operator sees,
/// a lock loss within seconds, actions only with authorization and an anti-forgery token, hostile payloads inert.
/// Each test leaves a screenshot in <c>artifacts/dashboard/</c>.
/// </summary>
public sealed class DashboardBrowserTests(PostgresFixture postgres)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Page_lists_three_nodes_and_every_projection_with_owner_epoch_and_history()
    {
        await using var database = await postgres.CreateDatabaseAsync("dash_nodes");
        await using var cluster = await Cluster.StartAsync(database.ConnectionString, actions: false);
        await cluster.Bed.AppendAsync(60, seed: 4);
        var statuses = await cluster.WaitForCatchUpAsync();
        using var browser = Browser.Start();
        try
        {
            browser.Open(cluster.Dashboard.Dashboard);
            browser.WaitUntil(() => cluster.NodeNames.All(n => browser.Rows("nodes").Any(r => r.StartsWith(n + "|connected", StringComparison.Ordinal))), Patience, "three connected nodes");
            browser.WaitUntil(() => ReadModels.Names.All(p => browser.Rows("projections").Any(r => r.StartsWith(p + "|", StringComparison.Ordinal))), Patience, "every projection");

            var rows = browser.Rows("projections");
            foreach (var status in statuses)
            {
                var row = rows.Single(r => r.StartsWith(status.Projection + "|", StringComparison.Ordinal)).Split('|');
                Assert.Contains(row[1], cluster.NodeNames);
                Assert.True(long.Parse(row[2], CultureInfo.InvariantCulture) >= 1);
            }

            // Each node holds some lock, and every projection's acquisition is in the timeline.
            var held = browser.Rows("nodes").Sum(r => int.Parse(r.Split('|')[4], CultureInfo.InvariantCulture));
            Assert.Equal(ReadModels.Names.Length, held);
            browser.WaitUntil(() => ReadModels.Names.All(p => browser.Rows("timeline").Any(r => r.Contains("|acquired|" + p + "|", StringComparison.Ordinal) || r.Contains("|moved|" + p + "|", StringComparison.Ordinal))), Patience, "acquisitions in the timeline");
            Assert.False(browser.Script<bool>("return document.body.classList.contains('actions');"));
        }
        finally
        {
            browser.Screenshot("three-nodes");
        }
    }

    [Fact]
    public async Task A_terminated_lock_connection_shows_as_a_lock_loss_with_its_cause_within_five_seconds()
    {
        await using var database = await postgres.CreateDatabaseAsync("dash_loss");
        await using var cluster = await Cluster.StartAsync(database.ConnectionString, actions: false);
        await cluster.Bed.AppendAsync(40, seed: 5);
        var statuses = await cluster.WaitForCatchUpAsync();
        using var stopWriters = new CancellationTokenSource();
        var writers = cluster.Bed.StartWriters(2, stopWriters.Token);

        // A poison event too, so the picture of the page under faults (docs/dashboard.png) shows a dead letter.
        await cluster.Bed.Store.AppendAsync("acct-poison", [new Deposited("acct-poison", 13)], ExpectedVersion.Any, cancellationToken: Ct);
        using var browser = Browser.Start();
        try
        {
            browser.Open(cluster.Dashboard.Dashboard);
            browser.WaitUntil(() => browser.Rows("projections").Count == ReadModels.Names.Length, Patience, "the projections");
            var victim = statuses.Single(s => s.Projection == "ledger").Owner!;
            browser.WaitUntil(() => browser.Script<long>("return document.querySelectorAll('#projections svg.spark polyline').length;") == ReadModels.Names.Length, Patience, "lag charts with samples");

            var clock = Stopwatch.StartNew();
            Assert.Equal(1, await postgres.Server.TerminateBackendsAsync(ProjectionDaemon.LockApplicationNameFor(victim), Ct));
            string? shown = null;
            browser.WaitUntil(
                () =>
                {
                    shown = browser.Rows("timeline").FirstOrDefault(r => r.Contains("|lost|ledger|" + victim + "|", StringComparison.Ordinal));
                    return shown is not null && browser.Rows("projections").Single(r => r.StartsWith("ledger|", StringComparison.Ordinal)).Split('|')[10] != "-";
                },
                TimeSpan.FromSeconds(5),
                "the lock loss of ledger on " + victim + " with its cause, within 5 s");
            var elapsed = clock.Elapsed;
            browser.Screenshot("lock-loss-detected");
            TestContext.Current.TestOutputHelper?.WriteLine($"lock loss shown {elapsed.TotalMilliseconds:0} ms after pg_terminate_backend: {shown}");

            // The cause on the page is the one the node recorded.
            var cause = shown!.Split('|')[6];
            Assert.False(string.IsNullOrWhiteSpace(cause));
            var recorded = (await cluster.Status.ReadAsync(Ct)).Single(s => s.Projection == "ledger").LastLossCause;
            Assert.Equal(recorded, cause);
            Assert.Contains(cause, browser.Rows("projections").Single(r => r.StartsWith("ledger|", StringComparison.Ordinal)), StringComparison.Ordinal);

            // Another node (or the same, after its pause) takes over; the page shows the new owner under a newer epoch.
            var epoch = statuses.Single(s => s.Projection == "ledger").Epoch;
            browser.WaitUntil(
                () => browser.Rows("projections").Single(r => r.StartsWith("ledger|", StringComparison.Ordinal)).Split('|') is var row
                      && long.Parse(row[2], CultureInfo.InvariantCulture) > epoch && !row[1].Contains("no lock", StringComparison.Ordinal),
                Patience,
                "ledger re-acquired");
            await File.WriteAllTextAsync(Artifacts.PathOf("lock-loss.txt"), $"lock loss shown after {elapsed.TotalMilliseconds:0} ms\n{shown}\n", Ct);
        }
        finally
        {
            browser.Screenshot("lock-loss");
            await stopWriters.CancelAsync();
            await writers;
        }
    }

    [Fact]
    public async Task Actions_are_hidden_and_refused_without_authorization()
    {
        await using var database = await postgres.CreateDatabaseAsync("dash_hidden");
        await using var cluster = await Cluster.StartAsync(database.ConnectionString, actions: true, nodes: 1);
        await cluster.Bed.AppendAsync(10, seed: 6);
        await cluster.WaitForCatchUpAsync();
        using var browser = Browser.Start();
        try
        {
            // Anonymous, then signed in without the admin role: the page shows no action, the endpoints refuse.
            browser.Open(cluster.Dashboard.Dashboard);
            browser.WaitUntil(() => browser.Rows("projections").Count == ReadModels.Names.Length, Patience, "the projections");
            AssertNoActions(browser);
            browser.Open(new Uri(cluster.Dashboard.BaseAddress, "/test/login?role=viewer"));
            browser.WaitUntil(() => browser.Rows("projections").Count == ReadModels.Names.Length, Patience, "the projections, as a viewer");
            AssertNoActions(browser);

            using var anonymous = new HttpClient { BaseAddress = cluster.Dashboard.BaseAddress };
            var refused = await anonymous.PostAsync("/projectiongen/api/actions/rebuild/ledger", new FormUrlEncodedContent([]), Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            var (viewer, _) = await SignedInClientAsync(cluster.Dashboard, "viewer");
            using (viewer)
            {
                var forbidden = await viewer.PostAsync("/projectiongen/api/actions/rebuild/ledger", new FormUrlEncodedContent([]), Ct);
                Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
            }

            // Even for an admin, nothing served carries the connection string; every response forbids inline script.
            var password = new NpgsqlConnectionStringBuilder(database.ConnectionString).Password;
            Assert.False(string.IsNullOrEmpty(password));
            var (operatorClient, _) = await SignedInClientAsync(cluster.Dashboard, "admin");
            using (operatorClient)
            {
                foreach (var path in new[] { "/projectiongen/", "/projectiongen/api/snapshot", "/projectiongen/assets/app.js" })
                {
                    var response = await operatorClient.GetAsync(path, Ct);
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                    Assert.StartsWith("default-src 'none'; script-src 'self';", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
                    var body = await response.Content.ReadAsStringAsync(Ct);
                    Assert.DoesNotContain(password, body, StringComparison.Ordinal);
                    Assert.DoesNotContain("Password", body, StringComparison.OrdinalIgnoreCase);
                }
            }
        }
        finally
        {
            browser.Screenshot("actions-hidden");
        }

        // Without an ActionsPolicy the actions are not even mapped.
        await using var readOnly = await DashboardApp.StartAsync(database.ConnectionString, "readonly-" + Guid.NewGuid().ToString("N")[..6], actions: false);
        var (admin, _) = await SignedInClientAsync(readOnly, "admin");
        using (admin)
        {
            var missing = await admin.PostAsync("/projectiongen/api/actions/rebuild/ledger", new FormUrlEncodedContent([]), Ct);
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }
    }

    [Fact]
    public async Task An_authorized_operator_rebuilds_from_the_page_and_a_post_without_the_antiforgery_token_is_refused()
    {
        await using var database = await postgres.CreateDatabaseAsync("dash_rebuild");
        await using var cluster = await Cluster.StartAsync(database.ConnectionString, actions: true);
        await cluster.Bed.AppendAsync(50, seed: 7);
        var before = (await cluster.WaitForCatchUpAsync()).Single(s => s.Projection == "ledger");
        using var browser = Browser.Start();
        try
        {
            browser.Open(new Uri(cluster.Dashboard.BaseAddress, "/test/login?role=admin"));
            browser.WaitUntil(() => browser.Script<bool>("return document.querySelector('button[data-action=\"rebuild:ledger\"]') !== null;"), Patience, "the rebuild button");
            Assert.True(browser.Script<bool>("return document.body.classList.contains('actions');"));

            // A forged request (signed in, but without the page's anti-forgery token) is refused and changes nothing.
            var cookies = browser.Driver.Manage().Cookies.AllCookies.Select(c => new Cookie(c.Name, c.Value, "/", cluster.Dashboard.BaseAddress.Host)).ToList();
            var jar = new CookieContainer();
            cookies.ForEach(c => jar.Add(cluster.Dashboard.BaseAddress, c));
            using (var forged = new HttpClient(new HttpClientHandler { CookieContainer = jar }) { BaseAddress = cluster.Dashboard.BaseAddress })
            {
                var response = await forged.PostAsync("/projectiongen/api/actions/rebuild/ledger", new FormUrlEncodedContent([]), Ct);
                Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
                Assert.Contains("anti-forgery", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
            }

            Assert.Equal(before.Epoch, (await cluster.Bed.ReadOwnershipAsync("ledger")).Epoch);

            // The page's button: the first click arms it, the second sends the rebuild with the token.
            browser.Script<object?>("document.querySelector('button[data-action=\"rebuild:ledger\"]').click();");
            browser.WaitUntil(() => browser.Script<bool>("return document.querySelector('button.confirm[data-action=\"rebuild:ledger\"]') !== null;"), TimeSpan.FromSeconds(10), "the armed button");
            browser.Script<object?>("document.querySelector('button.confirm[data-action=\"rebuild:ledger\"]').click();");
            browser.WaitUntil(() => browser.Script<string>("return document.getElementById('message').textContent;").StartsWith("Rebuilding ledger", StringComparison.Ordinal), Patience, "the rebuild's answer");
            browser.WaitUntil(() => browser.Rows("timeline").Any(r => r.Contains("|rebuilt|ledger|", StringComparison.Ordinal)), Patience, "the rebuild in the timeline");

            // The read model is replayed from the start by some node under a newer epoch, and is exact.
            var minimum = new Dictionary<string, long> { ["ledger"] = before.Epoch + 2 };
            await cluster.WaitForCatchUpAsync(minimum);
            Assert.Empty(await cluster.Bed.VerifyExactlyOnceAsync());
            browser.WaitUntil(() => browser.Rows("timeline").Count(r => r.Contains("|ledger|", StringComparison.Ordinal) && (r.Contains("|acquired|", StringComparison.Ordinal) || r.Contains("|moved|", StringComparison.Ordinal))) >= 2, Patience, "the re-acquisition after the rebuild");
        }
        finally
        {
            browser.Screenshot("rebuild");
        }
    }

    [Fact]
    public async Task A_hostile_event_payload_is_shown_as_text_and_never_runs()
    {
        await using var database = await postgres.CreateDatabaseAsync("dash_xss");
        await using var cluster = await Cluster.StartAsync(database.ConnectionString, actions: true, nodes: 1);
        const string Hostile = "<script>window.pgPwned = 'script';</script><img src=x onerror=\"window.pgPwned = 'img'\">";

        // Fragile dead-letters deposits of 13: the hostile text lands in the dead letter's payload and stream id.
        await cluster.Bed.Store.AppendAsync(Hostile, [new Deposited(Hostile, 13)], ExpectedVersion.Any, cancellationToken: Ct);
        await cluster.Bed.AppendAsync(5, seed: 9);
        using var browser = Browser.Start();
        try
        {
            browser.Open(new Uri(cluster.Dashboard.BaseAddress, "/test/login?role=admin"));
            browser.WaitUntil(() => browser.Script<long>("return document.querySelectorAll('#dead-letters article.dead-letter').length;") >= 1, Patience, "the dead letter");

            var payload = browser.Script<string>("return document.querySelector('#dead-letters article.dead-letter pre.payload').textContent;");
            Assert.Contains("<script>window.pgPwned", payload, StringComparison.Ordinal);
            Assert.Contains("<img src=x onerror=", payload, StringComparison.Ordinal);
            Assert.Equal(Hostile, browser.Script<string>("return document.querySelector('#dead-letters article.dead-letter code.stream').textContent;"));
            Assert.Contains("<script>window.pgPwned", browser.Driver.FindElement(OpenQA.Selenium.By.Id("dead-letters")).Text, StringComparison.Ordinal);

            // Several refreshes later nothing ran and no element was made from the payload.
            var refreshes = browser.Script<string>("return document.body.dataset.refreshes;");
            browser.WaitUntil(() => browser.Script<string>("return document.body.dataset.refreshes;") != refreshes, Patience, "another refresh");
            Assert.Null(browser.Script<object?>("return window.pgPwned === undefined ? null : String(window.pgPwned);"));
            Assert.Equal(0, browser.Script<long>("return document.querySelectorAll('main img, main script').length;"));
            browser.Screenshot("hostile-payload-shown");

            // The operator discards it from the page.
            var id = browser.Script<string>("return document.querySelector('#dead-letters article.dead-letter').dataset.id;");
            browser.Script<object?>($"document.querySelector('button[data-action=\"discard:{id}\"]').click();");
            browser.WaitUntil(() => browser.Script<bool>($"return document.querySelector('button.confirm[data-action=\"discard:{id}\"]') !== null;"), TimeSpan.FromSeconds(10), "the armed discard");
            browser.Script<object?>($"document.querySelector('button.confirm[data-action=\"discard:{id}\"]').click();");
            browser.WaitUntil(() => browser.Script<long>("return document.querySelectorAll('#dead-letters article.dead-letter').length;") == 0, Patience, "the dead letter gone");
            Assert.Null(browser.Script<object?>("return window.pgPwned === undefined ? null : String(window.pgPwned);"));
        }
        finally
        {
            browser.Screenshot("hostile-payload");
        }
    }

    [Fact]
    public async Task Time_to_first_render_with_200_projections_is_measured()
    {
        await using var database = await postgres.CreateDatabaseAsync("dash_200");
        await using var cluster = await Cluster.StartAsync(database.ConnectionString, actions: true, nodes: 1);
        await cluster.Bed.AppendAsync(20, seed: 10);
        await cluster.WaitForCatchUpAsync();

        // 197 more projections as their progress rows and history show them (owned by the one node, with losses).
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync(Ct);
            foreach (var sql in new[]
            {
                """
                INSERT INTO projectiongen.progress (name, projection, position, epoch, owner, owner_since, last_commit_at, status, last_loss_cause, last_loss_at)
                SELECT 'projection_' || lpad(i::text, 3, '0'), 'projection_' || lpad(i::text, 3, '0'), i * 10, 1 + i % 4, $1, now(), now(), 'running',
                       CASE WHEN i % 10 = 0 THEN 'terminated backend (57P01)' END, CASE WHEN i % 10 = 0 THEN now() END
                FROM generate_series(1, 197) i
                """,
                """
                INSERT INTO projectiongen.projection_history (at, kind, projection, node, epoch, position, detail)
                SELECT now() - (i || ' seconds')::interval, CASE WHEN i % 3 = 0 THEN 'lost' ELSE 'acquired' END, 'projection_' || lpad((1 + i % 197)::text, 3, '0'), $1, 1, i, NULL
                FROM generate_series(1, 400) i
                """,
            })
            {
                await using var command = new NpgsqlCommand(sql, connection);
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = cluster.Dashboard.Node });
                await command.ExecuteNonQueryAsync(Ct);
            }
        }

        using var browser = Browser.Start();
        try
        {
            browser.Open(new Uri(cluster.Dashboard.BaseAddress, "/test/login?role=admin"));
            browser.WaitUntil(() => browser.Script<bool>("return performance.getEntriesByName('projectiongen-first-render').length > 0;"), Patience, "the first render");
            Assert.Equal(200, browser.Rows("projections").Count);

            // Fresh navigation (the sign-in redirect is behind us): measure the page as an operator opens it.
            browser.Open(cluster.Dashboard.Dashboard);
            browser.WaitUntil(() => browser.Script<bool>("return performance.getEntriesByName('projectiongen-first-render').length > 0;"), Patience, "the first render");
            var firstRender = browser.Number("return performance.getEntriesByName('projectiongen-first-render')[0].startTime;");
            var firstData = browser.Number("return performance.getEntriesByName('projectiongen-first-data')[0].startTime;");
            var domReady = browser.Number("return performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd;");
            var snapshot = browser.Number("const e = performance.getEntriesByType('resource').find(r => r.name.includes('api/snapshot')); return e ? e.duration : -1;");
            var bytes = browser.Number("const e = performance.getEntriesByType('resource').find(r => r.name.includes('api/snapshot')); return e ? e.transferSize : -1;");
            Assert.Equal(200, browser.Rows("projections").Count);
            var report = string.Create(CultureInfo.InvariantCulture,
                $"dashboard first render with 200 projections: {firstRender:0} ms after navigation start (DOMContentLoaded {domReady:0} ms, data parsed {firstData:0} ms, so drawing took {firstRender - firstData:0} ms; snapshot request {snapshot:0} ms, {bytes:0} bytes); measured {DateTimeOffset.UtcNow:u} in headless Chromium on this machine\n");
            TestContext.Current.TestOutputHelper?.WriteLine(report);
            await File.WriteAllTextAsync(Artifacts.PathOf("first-render.txt"), report, Ct);
        }
        finally
        {
            browser.Screenshot("two-hundred-projections");
        }
    }

    private static void AssertNoActions(Browser browser)
    {
        Assert.Equal(0, browser.Script<long>("return document.querySelectorAll('button[data-action]').length;"));
        Assert.False(browser.Script<bool>("return document.body.classList.contains('actions');"));
    }

    private static async Task<(HttpClient Client, CookieContainer Cookies)> SignedInClientAsync(DashboardApp app, string role)
    {
        var cookies = new CookieContainer();
        var client = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = app.BaseAddress };
        var login = await client.GetAsync($"/test/login?role={role}", Ct);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        return (client, cookies);
    }
}
