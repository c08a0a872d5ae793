using ProjectionGen.CommandLine;

// The projectiongen tool (docs/operations.md, "Command line"): the commands that need no projection code.
return await ProjectionGenCommands.InvokeAsync(ProjectionGenCommands.CreateToolRootCommand(), args, commandName: "projectiongen");
