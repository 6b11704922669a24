// The collections (a cluster with a coordinator's address, one with Redis membership) each start
// three node processes; run side by side on two cores they would only starve one another, which
// is what the membership settings must survive, not what these tests are about.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
